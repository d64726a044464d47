from servicedesk.knowledge import views as views
