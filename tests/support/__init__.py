# Shared Python helpers for the integration and differential suites: the server launcher
# (servers.py), a raw RESP2/RESP3 client (resp_client.py) and reply comparison (compare.py).
