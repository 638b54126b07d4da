-- Runs after --citeproc, in one pass over the document:
-- * each note becomes <span class="footnote"> at its call, for WeasyPrint's float: footnote;
-- * each wrapper div #pr-TOKEN-N becomes a marker comment that the Python side splits on.
--   TOKEN (from PRESSRUN_TOKEN) is a digest of the document, so content cannot forge a
--   wrapper; the reader has raw HTML off, so content cannot write markers either;
-- * only harmless attributes and link targets are kept: content is text, not markup.

local token = os.getenv('PRESSRUN_TOKEN') or ''
local prefix = '^pr%-' .. token .. '%-'
local SAFE_ATTRIBUTES = {lang = true, dir = true}

local function clean_attr(el)
  if el.identifier:match('^pressrun') or el.identifier:match('^pr%-') then
    el.identifier = ''
  end
  local kept = {}
  for key, value in pairs(el.attributes) do
    if SAFE_ATTRIBUTES[key] then kept[key] = value end
  end
  el.attributes = kept
  return el
end

local function safe_link(target)
  local lower = target:lower()
  return target:sub(1, 1) == '#' or lower:match('^https?:') or lower:match('^mailto:')
end

local function safe_image(src)
  return not src:match('^[%a][%w+.-]*:') and src:sub(1, 1) ~= '/' and not src:match('%.%.')
end

local function note(el)
  local inlines = pandoc.Inlines({})
  for n, block in ipairs(el.content) do
    if n > 1 then inlines:insert(pandoc.LineBreak()) end
    if block.t == 'Para' or block.t == 'Plain' then
      inlines:extend(block.content)
    else
      inlines:extend(pandoc.utils.blocks_to_inlines({block}))
    end
  end
  return pandoc.Span(inlines, {class = 'footnote'})
end

local function wrappers(doc)
  local blocks = pandoc.Blocks({})
  for _, block in ipairs(doc.blocks) do
    if block.t == 'Div' and token ~= '' and block.identifier:match(prefix) then
      local name = block.identifier:gsub(prefix, '')
      blocks:insert(pandoc.RawBlock('html', '<!--pr-' .. name .. '-->'))
      blocks:extend(block.content)
    else
      blocks:insert(block)
    end
  end
  doc.blocks = blocks
  return doc
end

return {{
  Span = clean_attr,
  Code = clean_attr,
  Header = clean_attr,
  CodeBlock = clean_attr,
  Div = function(el)
    if token ~= '' and el.identifier:match(prefix) then return nil end
    return clean_attr(el)
  end,
  Link = function(el)
    if not safe_link(el.target) then return el.content end
    return clean_attr(el)
  end,
  Image = function(el)
    if not safe_image(el.src) then return el.caption end
    return clean_attr(el)
  end,
  Note = note,
  Pandoc = wrappers,
}}
