-- wrk script for POST /items (bench/run.py checks that this body equals common.ITEM_BODY)
wrk.method = "POST"
wrk.body = '{"name":"Widget","price":9.99,"quantity":3,"tags":["red","blue"],"active":true}'
wrk.headers["Content-Type"] = "application/json"
