from servicedesk.incidents import views as views
