"""What every stage of vj shares to run, and nothing of any one stage: the torch
device (:mod:`.device`), model weights on the hub and the local cache (:mod:`.hub`,
:mod:`.cache`), the state kept between runs and its atomic writes (:mod:`.state`),
the C allocator of a long show (:mod:`.memory`), the files vj writes (:mod:`.files`),
the byte table of the tiny tokenizers (:mod:`.tokenizer`) and fault injection for the
tests (:mod:`.chaos`)."""
