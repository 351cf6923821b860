"""Pages of the catalogs app, one module per audience: the public, drafters and consulted
stakeholders, ministry reviewers."""
