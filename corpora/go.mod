module goretain/corpora

go 1.19
