"""The operator's organisation (service stations, maintenance groups, zones) and its subscribers."""
