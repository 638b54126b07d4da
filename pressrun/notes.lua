-- The one pass over a publication's Markdown (pandoc runs it with no --citeproc):
-- 1. each content piece (a wrapper div #pr-TOKEN-N) is cleaned: content is text, not markup.
--    No raw HTML/TeX, no identifiers or classes, only the attributes `lang` and `dir`, links
--    only to http(s), mailto and #anchors, images only as relative paths;
-- 2. the cited references are cleaned by the same rule (their fields are Markdown too, and
--    may carry raw HTML), without notes or images, and handed to citeproc in place of the
--    files; citeproc (pandoc.utils.citeproc) fills the one #refs div, inside #pr-TOKEN-refs;
-- 3. what citeproc made is cleaned again: only its own classes (csl-*) and entry ids (ref-*)
--    stay;
-- 4. each note becomes <span class="footnote"> at its call, for WeasyPrint's float: footnote;
-- 5. each wrapper becomes a marker comment <!--pr-TOKEN-N--> that the Python side splits on.
-- TOKEN (PRESSRUN_TOKEN) is random per run and no raw HTML survives, so nothing in any file
-- can forge a wrapper, a marker or a note.

local token = os.getenv('PRESSRUN_TOKEN') or ''
-- The images pressrun checked (as the text names them, one a line): no other image is kept.
local checked_images = {}
for name in (os.getenv('PRESSRUN_IMAGES') or ''):gmatch('[^\n]+') do
  checked_images[name] = true
end
local prefix = '^pr%-' .. token .. '%-'
-- The short citation keys the text uses, each with its item's id (a file of "key<TAB>id"
-- lines): citeproc knows an item by its id alone, and must see one source as one, however
-- it is cited.
local aliases = {}
local alias_file = os.getenv('PRESSRUN_ALIASES') and io.open(os.getenv('PRESSRUN_ALIASES'))
if alias_file then
  for key, id in alias_file:read('a'):gmatch('([^\t\n]+)\t([^\n]+)') do aliases[key] = id end
  alias_file:close()
end
local SAFE_ATTRIBUTES = {lang = true, dir = true}
-- What citeproc itself writes on the bibliography (its layout, for the stylesheets).
local CITEPROC_ATTRIBUTES = {lang = true, dir = true, ['entry-spacing'] = true,
  ['line-spacing'] = true}
local CITEPROC_CLASSES = {references = true, ['hanging-indent'] = true}
local ELEMENTS = {'Code', 'Image', 'Link', 'Span', 'RawInline',
  'CodeBlock', 'Div', 'Figure', 'Header', 'Table', 'RawBlock'}

local function safe_link(target)
  local lower = target:lower()
  return target:sub(1, 1) == '#' or lower:match('^https?:') ~= nil
    or lower:match('^mailto:') ~= nil
end

local function safe_image(src)
  return not src:match('^[%a][%w+.-]*:') and src:sub(1, 1) ~= '/' and not src:match('%.%.')
    and src:sub(1, 1) ~= '\\'
end

-- One attribute rule for every element kind: `rule` says which identifiers, classes and
-- attributes survive (in content: `lang` and `dir` only; in what citeproc made: its own).
local function clean_attr(attr, rule)
  if not rule.id(attr.identifier) then attr.identifier = '' end
  local classes = {}
  for _, class in ipairs(attr.classes) do
    if rule.class(class) then table.insert(classes, class) end
  end
  attr.classes = classes
  -- A list of pairs, not a table keyed by name: Lua's tables have no order, and an edition
  -- rebuilt must write its attributes in the order it was released with.
  local kept = {}
  for key, value in pairs(attr.attributes) do
    if rule.attributes[key] then table.insert(kept, {key, value}) end
  end
  attr.attributes = kept
  return attr
end

local function clean_table(el, rule)
  local function rows(list)
    for _, row in ipairs(list) do
      row.attr = clean_attr(row.attr, rule)
      for _, cell in ipairs(row.cells) do
        cell.attr = clean_attr(cell.attr, rule)
      end
    end
  end
  el.head.attr = clean_attr(el.head.attr, rule)
  rows(el.head.rows)
  for _, body in ipairs(el.bodies) do
    body.attr = clean_attr(body.attr, rule)
    rows(body.head)
    rows(body.body)
  end
  el.foot.attr = clean_attr(el.foot.attr, rule)
  rows(el.foot.rows)
  return el
end

-- The images of the content (checked by pressrun before pandoc runs); any other image, say
-- one named in a reference field, is dropped for its description.
local content_images = {}

local function cleaner(rule)
  local function clean(el)
    if el.t == 'RawInline' or el.t == 'RawBlock' then return {} end
    if el.t == 'Link' and not safe_link(el.target) then return el.content end
    if el.t == 'Image' then
      if not safe_image(el.src) or not rule.image(el.src) then return el.caption end
      content_images[el.src] = true
    end
    if el.t == 'Table' then el = clean_table(el, rule) end
    if el.attr then el.attr = clean_attr(el.attr, rule) end
    return el
  end
  -- Every element kind that has attributes or raw content (a function for each kind rather
  -- than for every element: most are words and spaces, and each call costs a conversion).
  local filter = {}
  for _, kind in ipairs(ELEMENTS) do filter[kind] = clean end
  return filter
end

local function never() return false end
local content_filter = cleaner({
  id = never, class = never, attributes = SAFE_ATTRIBUTES,
  image = function(src) return checked_images[src] == true end,
})
local citeproc_filter = cleaner({
  id = function(id)
    return id == 'refs' or id:match('^ref%-') ~= nil or (token ~= '' and id:match(prefix) ~= nil)
  end,
  class = function(class) return class:match('^csl%-') ~= nil or CITEPROC_CLASSES[class] end,
  attributes = CITEPROC_ATTRIBUTES,
  image = function(src) return content_images[src] == true end,
})

-- Reference fields are Markdown too: cleaned by the content rule before citeproc formats them,
-- and with no notes or images of their own. Only the cited references are read.
local reference_filter = cleaner({
  id = never, class = never, attributes = SAFE_ATTRIBUTES, image = never,
})
reference_filter.Note = function() return {} end

local function clean_value(value)
  local kind = pandoc.utils.type(value)
  if kind == 'Inlines' or kind == 'Blocks' then return value:walk(reference_filter) end
  if type(value) == 'table' then
    for key, item in pairs(value) do value[key] = clean_value(item) end
  end
  return value
end

-- Zotero keeps a short key, and Better BibTeX fields of its own, in an item's Extra field,
-- which it exports as `note` ("Citation Key: x", "tex.ids: y"): not text to print.
local function without_keys(note)
  if type(note) == 'string' then
    local lines = {}
    for line in (note .. '\n'):gmatch('([^\n]*)\n') do
      if not (line:match('^%s*[Cc]itation [Kk]ey:') or line:match('^%s*tex%.[%w_-]+:')) then
        lines[#lines + 1] = line
      end
    end
    local kept = table.concat(lines, '\n'):match('^%s*(.-)%s*$')
    return kept ~= '' and kept or nil
  end
  if pandoc.utils.type(note) ~= 'Inlines' then return note end
  local kept, n = pandoc.Inlines({}), 1
  local function is(k, pattern)
    return note[k] and note[k].t == 'Str' and note[k].text:match(pattern)
  end
  while n <= #note do
    local skip = 0
    if is(n, '^[Cc]itation$') and is(n + 2, '^[Kk]ey:$') then
      skip = 5  -- Citation, space, Key:, space, the key
    elseif is(n, '^tex%.[%w_-]+:$') then
      skip = 3  -- tex.name:, space, its value
    end
    if skip > 0 then
      n = n + skip
      while note[n] and (note[n].t == 'Space' or note[n].t == 'SoftBreak') do n = n + 1 end
    else
      kept:insert(note[n])
      n = n + 1
    end
  end
  while #kept > 0 and (kept[#kept].t == 'Space' or kept[#kept].t == 'SoftBreak') do
    kept:remove(#kept)
  end
  if #kept == 0 then return nil end
  return kept
end

local function clean_references(doc)
  local references = pandoc.utils.references(doc)
  for _, reference in ipairs(references) do
    clean_value(reference)
    reference.note = without_keys(reference.note)
  end
  doc.meta.references = references
  doc.meta.bibliography = nil
  return doc
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

-- An entry the style prints nothing of (no fields it uses) is left out, with a warning that
-- names it (pressrun places it at the reference). A bibliography whose entries have a number
-- or label in the margin ([1], [Lens59]) is marked `csl-labelled`, for the stylesheets to set
-- those in a column.
local function lay_out_entries(doc)
  return doc:walk({Div = function(el)
    if el.identifier == 'refs' then
      local labelled = false
      local function look(inner)
        labelled = labelled or inner.classes:includes('csl-left-margin')
      end
      el.content:walk({Div = look, Span = look})  -- citeproc's displays are spans in the AST
      if labelled then el.classes:insert('csl-labelled') end
      return el
    end
    if not el.classes:includes('csl-entry') then return nil end
    local function margin(inner)
      if inner.classes:includes('csl-left-margin') then return {} end
    end
    local printed = el.content:walk({Div = margin, Span = margin})
    if pandoc.utils.stringify(printed):match('%S') then return nil end
    pandoc.log.warn('Citeproc: Bibliography entry with no printed form: '
      .. el.identifier:gsub('^ref%-', ''))
    return {}
  end})
end

local function wrapper_name(block)
  if token ~= '' and block.t == 'Div' and block.identifier:match(prefix) then
    return (block.identifier:gsub(prefix, ''))
  end
end

function Pandoc(doc)
  -- 1. Everything but our own bibliography wrapper is content (blocks outside any wrapper
  -- can only come from a ':::' line in the content; the Python side reports those).
  local cleaned = pandoc.Blocks({})
  for _, block in ipairs(doc.blocks) do
    local name = wrapper_name(block)
    if name == 'refs' then
      cleaned:insert(block)
    elseif name then
      block.content = pandoc.Blocks(block.content):walk(content_filter)
      cleaned:insert(block)
    else
      cleaned:extend(pandoc.Blocks({block}):walk(content_filter))
    end
  end
  doc.blocks = cleaned
  doc = doc:walk({Cite = function(el)
    for _, citation in ipairs(el.citations) do
      citation.id = aliases[citation.id] or citation.id
    end
    return el
  end})
  -- 2. and 3.
  doc = pandoc.utils.citeproc(clean_references(doc))
  doc = lay_out_entries(doc)
  citeproc_filter.Note = note  -- 4. (its content is cleaned first: walks go bottom-up)
  -- A citation that became a note is that note alone (calls are then side by side in the
  -- HTML, and pressrun can part them).
  citeproc_filter.Cite = function(el)
    if #el.content == 1 and el.content[1].t == 'Span' and el.content[1].classes[1] == 'footnote'
    then
      return el.content[1]
    end
  end
  doc = doc:walk(citeproc_filter)
  -- 5.
  local blocks = pandoc.Blocks({})
  for _, block in ipairs(doc.blocks) do
    local name = wrapper_name(block)
    if name then
      blocks:insert(pandoc.RawBlock('html', '<!--pr-' .. token .. '-' .. name .. '-->'))
      blocks:extend(block.content)
    else
      blocks:insert(block)
    end
  end
  doc.blocks = blocks
  return doc
end
