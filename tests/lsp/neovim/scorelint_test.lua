-- Headless Neovim as a real client of scorelint's language server.
--   SCORELINT_PYTHON=/abs/python OUT=/abs/result.json nvim --headless -n -i NONE -u scorelint_test.lua score.py
-- Writes what vim.diagnostic.get returns (and what a quick fix did) to OUT as JSON; exits 0 when the
-- steps worked, 1 otherwise. tests/lsp/test_neovim.py checks the file.
local py = os.getenv("SCORELINT_PYTHON") or "python3"
local out = os.getenv("OUT") or "result.json"
local result = { steps = {} }

local function finish(ok, why)
  result.ok = ok
  result.error = why
  local v = vim.version()
  result.nvim = v.major .. "." .. v.minor .. "." .. v.patch
  local f = assert(io.open(out, "w"))
  f:write(vim.fn.json_encode(result))
  f:close()
  vim.cmd(ok and "qall!" or "cquit 1")
end

local function start(bufnr)
  local cfg = {
    name = "scorelint",
    cmd = { py, "-m", "scorelint_lsp" },
    root_dir = vim.fn.getcwd(),
    init_options = { debounceMs = 0 },
  }
  if vim.lsp.start then -- Neovim >= 0.8
    vim.lsp.start(cfg, { bufnr = bufnr })
  else -- Neovim 0.7 (Debian bookworm): start_client + buf_attach_client
    vim.lsp.buf_attach_client(bufnr, vim.lsp.start_client(cfg))
  end
end

vim.api.nvim_create_autocmd("FileType", { pattern = "python", callback = function(a) start(a.buf) end })

local function snapshot(buf)
  local items = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    local lsp = (d.user_data or {}).lsp or {}
    table.insert(items, {
      lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col,
      severity = d.severity, message = d.message, source = d.source,
      code = d.code or lsp.code,
      name = lsp.data and lsp.data.name or vim.NIL,
      href = lsp.codeDescription and lsp.codeDescription.href or vim.NIL,
    })
  end
  table.sort(items, function(a, b) return tostring(a.code) < tostring(b.code) end)
  return items
end

vim.api.nvim_create_autocmd("VimEnter", { callback = function()
  local buf = vim.api.nvim_get_current_buf()
  if not vim.wait(30000, function() return #vim.diagnostic.get(buf) > 0 end, 50) then
    return finish(false, "no diagnostics within 30 s")
  end
  result.diagnostics = snapshot(buf)

  -- the quick fixes offered for SL006, applied through Neovim's own workspace-edit code
  local target
  for _, d in ipairs(result.diagnostics) do if d.code == "SL006" then target = d end end
  if not target then return finish(false, "no SL006 diagnostic") end
  local client = (vim.lsp.get_clients or vim.lsp.get_active_clients)()[1]
  local params = vim.lsp.util.make_range_params()
  params.range = { start = { line = target.lnum, character = target.col },
                   ["end"] = { line = target.end_lnum, character = target.end_col } }
  params.context = { diagnostics = vim.lsp.diagnostic.get_line_diagnostics(buf, target.lnum) }
  local responses = vim.lsp.buf_request_sync(buf, "textDocument/codeAction", params, 10000) or {}
  result.code_actions = {}
  local disable
  for _, r in pairs(responses) do
    for _, action in ipairs(r.result or {}) do
      table.insert(result.code_actions, action.title)
      if action.title:find("Disable run%-no%-input%-param for this line") then disable = action end
    end
  end
  if not disable then return finish(false, "no disable action") end
  vim.lsp.util.apply_workspace_edit(disable.edit, client.offset_encoding or "utf-16")
  result.line_after_disable = vim.api.nvim_buf_get_lines(buf, target.lnum, target.lnum + 1, false)[1]
  -- the edit is a change like any other: the server re-lints and SL006 goes away
  local gone = vim.wait(20000, function()
    for _, d in ipairs(vim.diagnostic.get(buf)) do if d.code == "SL006" then return false end end
    return true
  end, 50)
  result.after_disable = snapshot(buf)
  finish(gone, gone and nil or "SL006 still reported after the disable action")
end })
