-- Runs after --citeproc. Writes each note as <span class="footnote"> at its call, for
-- WeasyPrint's float: footnote, and turns each wrapper div #pr-TOKEN-N into a marker comment
-- that the Python side splits on. TOKEN is a digest of the document, so content cannot forge
-- a wrapper; the reader has raw HTML off, so content cannot write markers either.
-- It also keeps only harmless attributes and link targets: content is text, not markup.

local token = nil
local SAFE_ATTRIBUTES = {lang = true, dir = true}

local function inline_html(inlines)
  local html = pandoc.write(pandoc.Pandoc({pandoc.Plain(inlines)}), 'html', {wrap_text = 'none'})
  return (html:gsub('%s+$', ''))
end

local function clean_attr(el)
  if el.attr == nil then return el end
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

function Meta(meta)
  token = pandoc.utils.stringify(meta['pressrun-token'] or '')
end

function Span(el) return clean_attr(el) end
function Code(el) return clean_attr(el) end
function Header(el) return clean_attr(el) end
function CodeBlock(el) return clean_attr(el) end

function Div(el)
  if token ~= '' and el.identifier:match('^pr%-' .. token .. '%-') then return nil end
  return clean_attr(el)
end

function Link(el)
  if not safe_link(el.target) then return el.content end
  return clean_attr(el)
end

function Image(el)
  if not safe_image(el.src) then return el.caption end
  return clean_attr(el)
end

function Note(note)
  local parts = {}
  for _, block in ipairs(note.content) do
    if block.t == 'Para' or block.t == 'Plain' then
      table.insert(parts, inline_html(block.content))
    else
      table.insert(parts, inline_html(pandoc.utils.blocks_to_inlines({block})))
    end
  end
  return pandoc.RawInline('html',
    '<span class="footnote">' .. table.concat(parts, '<br>') .. '</span>')
end

function Pandoc(doc)
  local blocks = {}
  local prefix = '^pr%-' .. token .. '%-'
  for _, block in ipairs(doc.blocks) do
    if block.t == 'Div' and token ~= '' and block.identifier:match(prefix) then
      local name = block.identifier:gsub(prefix, '')
      table.insert(blocks, pandoc.RawBlock('html', '<!--pr-' .. name .. '-->'))
      for _, inner in ipairs(block.content) do
        table.insert(blocks, inner)
      end
    else
      table.insert(blocks, block)
    end
  end
  doc.blocks = blocks
  return doc
end

return {
  {Meta = Meta},
  {Span = Span, Code = Code, Header = Header, CodeBlock = CodeBlock, Div = Div,
   Link = Link, Image = Image},
  {Note = Note},
  {Pandoc = Pandoc},
}
