"""The API's resources on the client: queries, uploads, materialized views, pipelines, usage,
datasets and endpoints, and the lazily paged listings they return."""
