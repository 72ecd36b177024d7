module example.com/grsample

go 1.19
