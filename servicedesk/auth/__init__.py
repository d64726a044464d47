from servicedesk.auth import views as views

__all__ = ["views"]
