-- the soak: the login flow (request, then verify) at a fixed pace below the maximum.
-- Each connection waits LOAD_SOAK_DELAY_MS between requests, so the rate is about
-- connections * 1000 / delay requests per second.
dofile(os.getenv("LOAD_SCENARIOS") .. "/login.lua")
local pause = tonumber(os.getenv("LOAD_SOAK_DELAY_MS") or "2")

function delay()
  return pause
end
