"""Pages of the talent standards app, one module per audience: the public (standards,
self-assessment), drafters (regional standards, agreements) and ministry reviewers."""
