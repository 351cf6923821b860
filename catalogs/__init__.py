"""National Occupational Classification and provincial Guidance Catalogs."""
