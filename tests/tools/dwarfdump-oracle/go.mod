module goretain.test/dwarfdump-oracle

go 1.21
