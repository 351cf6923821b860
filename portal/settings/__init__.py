"""Settings package: ``base`` (shared), ``local`` (embedded default), ``production``, ``test``."""
