from servicedesk.portal import views as views
