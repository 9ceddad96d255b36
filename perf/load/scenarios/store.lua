-- generate + store: every request a new tokenCreator, so every request stores a pair (60 s expiry).
dofile(os.getenv("LOAD_REPORT"))
local key = os.getenv("LOAD_KEY")
local headers = { ["Content-Type"] = "application/json" }
local n = 0
api_errors = 0

function request()
  n = n + 1
  return wrk.format("POST", "/v4/requestOneTimeCode", headers,
    '{"apiKey":"' .. key .. '","tokenCreator":"u' .. thread_id .. '-' .. n .. '@example.com","codeLength":6,"expiry":60}')
end
