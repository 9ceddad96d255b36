-- a hot tokenCreator asked again and again with reCreate=false: every request returns the same live pair.
dofile(os.getenv("LOAD_REPORT"))
wrk.method = "POST"
wrk.path = "/v4/requestOneTimeCode"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"apiKey":"' .. os.getenv("LOAD_KEY") .. '","tokenCreator":"hot@example.com","reCreate":false,"expiry":3600}'
