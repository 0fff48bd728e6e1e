module github.com/newsflow/newsflow/services/index

go 1.26.0
