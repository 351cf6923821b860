"""Forms of the permits pages, one module per part (registration, applications, permits).

Forms check the shape of input; the services decide (``permits.services``)."""
