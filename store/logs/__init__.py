"""Log storage: records, the query language, and the SQL and Elasticsearch backends."""
