-- Runs after --citeproc. Writes each note as <span class="footnote"> at its call, for
-- WeasyPrint's float: footnote, and turns each block wrapper div #pr-N into a marker
-- comment that the Python side splits on. Content cannot make raw HTML (the reader has
-- raw_html and raw_attribute off), so the markers cannot be forged.

local function inline_html(inlines)
  local html = pandoc.write(pandoc.Pandoc({pandoc.Plain(inlines)}), 'html', {wrap_text = 'none'})
  return (html:gsub('%s+$', ''))
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
  for _, block in ipairs(doc.blocks) do
    if block.t == 'Div' and block.identifier:match('^pr%-') then
      table.insert(blocks, pandoc.RawBlock('html', '<!--' .. block.identifier .. '-->'))
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
