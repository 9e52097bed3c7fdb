CREATE TABLE "webhook_outbox" (
	"id" text PRIMARY KEY NOT NULL,
	"alert_id" integer NOT NULL,
	"body" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "webhook_outbox_created" ON "webhook_outbox" USING btree ("created_at");