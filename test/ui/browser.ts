// Headless Chromium from Debian's `chromium` package, driven by playwright-core (which never
// downloads a browser). A missing browser fails the test with the command that installs it.
import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

export const CHROMIUM_PATH = process.env.TONYPI_CHROMIUM ?? '/usr/bin/chromium'

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}. The dashboard tests drive a real browser: ` +
        'install it with `apt-get update && apt-get install -y chromium` (Debian), or set TONYPI_CHROMIUM to its path.',
    )
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ARGS })
}
