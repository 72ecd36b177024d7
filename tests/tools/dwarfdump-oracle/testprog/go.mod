module goretain.test/dwarfprog

go 1.19
