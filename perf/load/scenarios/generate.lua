-- generate-only: a 6-digit code, nothing stored.
dofile(os.getenv("OTPFAST_REPORT"))
wrk.method = "POST"
wrk.path = "/v4/requestOneTimeCode"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"apiKey":"' .. os.getenv("OTPFAST_KEY") .. '","codeLength":6}'
