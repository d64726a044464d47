"""The service catalogue: the services the desk knows (broadband, IPTV, 5G 基站, 智慧家庭 …), as data."""
