-- Lists the citation keys pandoc reads in each piece of a text (a div #pr-TOKEN-N each) as
-- JSON on stdout: {"N": ["key", ...]}. `check` reports unknown keys from this list, so that
-- it finds exactly the citations the build looks up: not an address's @, not code.
local token = os.getenv('PRESSRUN_TOKEN') or ''
local wrapper = '^pr%-' .. token .. '%-(%d+)$'

function Pandoc(doc)
  local found = {}
  for _, block in ipairs(doc.blocks) do
    local name = block.t == 'Div' and token ~= '' and block.identifier:match(wrapper)
    if name then
      local keys = {''}  -- a first item, so that an empty list is written as a list
      block:walk({Cite = function(el)
        for _, citation in ipairs(el.citations) do keys[#keys + 1] = citation.id end
      end})
      found[name] = keys
    end
  end
  io.stdout:write(pandoc.json.encode(found))
  return pandoc.Pandoc({})
end
