module goretain.test/dwarfoff

go 1.19
