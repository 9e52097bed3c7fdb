CREATE TABLE "alert_rules" (
	"id" serial PRIMARY KEY NOT NULL,
	"robot_id" text,
	"metric" text NOT NULL,
	"direction" text NOT NULL,
	"warning" double precision,
	"critical" double precision,
	"min_duration_s" double precision DEFAULT 0 NOT NULL,
	"hysteresis" double precision DEFAULT 0 NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "alerts" (
	"id" serial PRIMARY KEY NOT NULL,
	"robot_id" text NOT NULL,
	"type" text NOT NULL,
	"severity" text NOT NULL,
	"source" text DEFAULT '' NOT NULL,
	"value" double precision,
	"threshold" double precision,
	"title" text NOT NULL,
	"message" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"acknowledged" boolean DEFAULT false NOT NULL,
	"acknowledged_by" text,
	"acknowledged_at" timestamp with time zone,
	"resolved" boolean DEFAULT false NOT NULL,
	"resolved_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "commands" (
	"id" text PRIMARY KEY NOT NULL,
	"robot_id" text NOT NULL,
	"username" text NOT NULL,
	"type" text NOT NULL,
	"body" jsonb NOT NULL,
	"state" text NOT NULL,
	"reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"id" serial PRIMARY KEY NOT NULL,
	"robot_id" text NOT NULL,
	"task_name" text,
	"status" text NOT NULL,
	"items_done" integer,
	"items_total" integer,
	"percent" double precision,
	"reason" text,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "reports" (
	"id" serial PRIMARY KEY NOT NULL,
	"robot_id" text,
	"report_type" text NOT NULL,
	"from_ts" timestamp with time zone NOT NULL,
	"to_ts" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" text NOT NULL,
	"figures" jsonb NOT NULL,
	"narrative" text,
	"narrative_error" text
);
--> statement-breakpoint
CREATE TABLE "robots" (
	"robot_id" text PRIMARY KEY NOT NULL,
	"name" text,
	"profile" text,
	"credential_username" text NOT NULL,
	"credential_hash" text,
	"mqtt_hash" text,
	"legacy" boolean DEFAULT false NOT NULL,
	"credential_rotated_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone,
	"status" text DEFAULT 'unknown' NOT NULL,
	"status_source" text,
	"info" jsonb DEFAULT '{}'::jsonb NOT NULL,
	CONSTRAINT "robots_credential_username_unique" UNIQUE("credential_username")
);
--> statement-breakpoint
CREATE TABLE "sync_state" (
	"robot_id" text PRIMARY KEY NOT NULL,
	"high_water_seq" bigint DEFAULT 0 NOT NULL,
	"last_batch_at" timestamp with time zone,
	"boot_id" text,
	"clock_offset_ms" bigint,
	"backlog" bigint
);
--> statement-breakpoint
CREATE TABLE "system_logs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"ts" timestamp with time zone DEFAULT now() NOT NULL,
	"level" text NOT NULL,
	"category" text NOT NULL,
	"robot_id" text,
	"message" text NOT NULL,
	"details" jsonb
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" serial PRIMARY KEY NOT NULL,
	"username" text NOT NULL,
	"password_hash" text NOT NULL,
	"role" text NOT NULL,
	"email" text,
	"token_version" integer DEFAULT 1 NOT NULL,
	"mqtt_hash" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_username_unique" UNIQUE("username")
);
--> statement-breakpoint
ALTER TABLE "alert_rules" ADD CONSTRAINT "alert_rules_robot_id_robots_robot_id_fk" FOREIGN KEY ("robot_id") REFERENCES "public"."robots"("robot_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_robot_id_robots_robot_id_fk" FOREIGN KEY ("robot_id") REFERENCES "public"."robots"("robot_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_robot_id_robots_robot_id_fk" FOREIGN KEY ("robot_id") REFERENCES "public"."robots"("robot_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_state" ADD CONSTRAINT "sync_state_robot_id_robots_robot_id_fk" FOREIGN KEY ("robot_id") REFERENCES "public"."robots"("robot_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "alerts_one_open" ON "alerts" USING btree ("robot_id","type","source") WHERE not "alerts"."resolved";--> statement-breakpoint
CREATE INDEX "alerts_robot_created" ON "alerts" USING btree ("robot_id","created_at");--> statement-breakpoint
CREATE INDEX "commands_robot_created" ON "commands" USING btree ("robot_id","created_at");--> statement-breakpoint
CREATE INDEX "jobs_robot_started" ON "jobs" USING btree ("robot_id","started_at");--> statement-breakpoint
CREATE INDEX "system_logs_ts" ON "system_logs" USING btree ("ts");--> statement-breakpoint
CREATE INDEX "system_logs_robot_ts" ON "system_logs" USING btree ("robot_id","ts");