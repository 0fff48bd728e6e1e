module github.com/newsflow/newsflow/services/enrich

go 1.26.0
