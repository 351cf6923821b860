"""Pages of the permits app, one module per part; each module has its ``urlpatterns``."""
