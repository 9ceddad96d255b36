-- generate-only: a 6-digit code, nothing stored.
dofile(os.getenv("LOAD_REPORT"))
wrk.method = "POST"
wrk.path = "/v4/requestOneTimeCode"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"apiKey":"' .. os.getenv("LOAD_KEY") .. '","codeLength":6}'
