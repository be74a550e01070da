-- wrk script for bench/run.sh: durable POST /increment as the page's script
-- sends it: the session cookie, the session's CSRF token in the form body and
-- a same-origin Origin header.  bench/run.sh passes the values in the
-- environment: BENCH_COOKIE ("session=..."), BENCH_CSRF, BENCH_ORIGIN.
local function need(name)
  local v = os.getenv(name)
  if v == nil or v == "" then error(name .. " is not set") end
  return v
end

wrk.method = "POST"
wrk.body = "csrf=" .. need("BENCH_CSRF")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = need("BENCH_COOKIE")
wrk.headers["Origin"] = need("BENCH_ORIGIN")
