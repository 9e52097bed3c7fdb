import { defineConfig } from 'drizzle-kit'

export default defineConfig({
  dialect: 'sqlite',
  schema: './edge/store/schema.ts',
  out: './edge/store/migrations',
})
