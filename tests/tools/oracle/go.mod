module goretain.test/oracle

go 1.19
