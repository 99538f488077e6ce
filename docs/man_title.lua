-- pandoc filter for the man pages: the title taken from the page's "# name(N)" heading is
-- written in capitals, as man-pages(7) has it (CHRONOND(8)); the Markdown keeps lower case.
function Meta(meta)
  if meta.title then
    meta.title = pandoc.utils.stringify(meta.title):upper()
  end
  return meta
end
