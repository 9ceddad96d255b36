-- the login flow: request a pair, then verify it with the returned token and OTP.
-- Every answer is read; one whose body code is not 200, or a verify that is not "true", counts as an API error.
dofile(os.getenv("LOAD_REPORT"))
local key = os.getenv("LOAD_KEY")
local headers = { ["Content-Type"] = "application/json" }
local pending = {}
local n = 0
api_errors = 0

function request()
  local p = table.remove(pending)
  if p then
    return wrk.format("POST", "/v4/verifyOneTimeCode", headers,
      '{"apiKey":"' .. key .. '","token":"' .. p[1] .. '","otp":"' .. p[2] .. '"}')
  end
  n = n + 1
  return wrk.format("POST", "/v4/requestOneTimeCode", headers,
    '{"apiKey":"' .. key .. '","tokenCreator":"l' .. thread_id .. '-' .. n .. '@example.com","codeLength":6,"expiry":60}')
end

function response(status, headers, body)
  if status ~= 200 or not body:find('"code":200', 1, true) then
    api_errors = api_errors + 1
    return
  end
  if body:find('"verify"', 1, true) then
    if not body:find('"verify":"true"', 1, true) then
      api_errors = api_errors + 1
    end
    return
  end
  local token = body:match('"token":"([A-Z2-7]+)"')
  local otp = body:match('"OTP":"(%w+)"')
  if token and otp then
    table.insert(pending, { token, otp })
  else
    api_errors = api_errors + 1
  end
end
