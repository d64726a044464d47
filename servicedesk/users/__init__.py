from servicedesk.users import views as views
