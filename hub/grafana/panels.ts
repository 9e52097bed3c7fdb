// Grafana dashboard JSON, built from a few shapes: the panel kinds our dashboards use, their
// queries (InfluxQL or SQL, always raw text so a test can run exactly what Grafana will), and
// a flow layout so panels are listed in reading order instead of placed by hand.

export const INFLUX_UID = 'tonypi-influx'
export const POSTGRES_UID = 'tonypi-postgres'
export const PROMETHEUS_UID = 'tonypi-prometheus'

export type DatasourceKind = 'influxdb' | 'postgres' | 'prometheus'
export interface DatasourceRef {
  type: DatasourceKind
  uid: string
}
export const INFLUX: DatasourceRef = { type: 'influxdb', uid: INFLUX_UID }
// `postgres` is the id every Grafana version knows (newer ones alias it to grafana-postgresql-datasource).
export const POSTGRES: DatasourceRef = { type: 'postgres', uid: POSTGRES_UID }
/** The operator's Prometheus, which scrapes the edges' and the hub's /metrics. */
export const PROMETHEUS: DatasourceRef = { type: 'prometheus', uid: PROMETHEUS_UID }

export interface InfluxTarget {
  refId: string
  datasource: DatasourceRef
  rawQuery: true
  query: string
  resultFormat: 'time_series' | 'table'
  alias?: string
}

export interface SqlTarget {
  refId: string
  datasource: DatasourceRef
  rawQuery: true
  editorMode: 'code'
  rawSql: string
  format: 'time_series' | 'table'
}

export interface PromTarget {
  refId: string
  datasource: DatasourceRef
  expr: string
  legendFormat?: string
  /** A table of the latest values rather than a series. */
  instant?: boolean
}

export type Target = InfluxTarget | SqlTarget | PromTarget

export interface Threshold {
  color: string
  value: number | null
}

export interface PanelOptions {
  unit?: string
  min?: number
  max?: number
  decimals?: number
  /** Ascending steps; the first is the base colour (value null). */
  thresholds?: Threshold[]
  /** Draw the thresholds on a time series as lines and shaded areas. */
  showThresholds?: boolean
  description?: string
  w?: number
  h?: number
}

export interface Panel {
  id: number
  type: string
  title: string
  description?: string
  datasource: DatasourceRef
  gridPos: { x: number; y: number; w: number; h: number }
  targets: Target[]
  fieldConfig: { defaults: Record<string, unknown>; overrides: unknown[] }
  options: Record<string, unknown>
}

type PanelDraft = Omit<Panel, 'id' | 'gridPos'> & { w: number; h: number }

const REF_IDS = 'ABCDEFGHIJ'

/** InfluxQL targets; `alias` names series (`$tag_servo_id`, `$col`). */
export function influx(queries: string[], opts: { alias?: string; format?: 'time_series' | 'table' } = {}): InfluxTarget[] {
  return queries.map((query, i) => ({
    refId: REF_IDS[i],
    datasource: INFLUX,
    rawQuery: true,
    query,
    resultFormat: opts.format ?? 'time_series',
    ...(opts.alias ? { alias: opts.alias } : {}),
  }))
}

export function sql(rawSql: string, format: 'time_series' | 'table' = 'table'): SqlTarget[] {
  return [{ refId: 'A', datasource: POSTGRES, rawQuery: true, editorMode: 'code', rawSql, format }]
}

/** PromQL targets; a legend names series (`{{instance}} {{stream}}`): the one given, or each target's own ([expr, legend]). */
export function prom(exprs: (string | [string, string])[], opts: { legend?: string; instant?: boolean } = {}): PromTarget[] {
  return exprs.map((e, i) => {
    const [expr, legend] = typeof e === 'string' ? [e, opts.legend] : e
    return { refId: REF_IDS[i], datasource: PROMETHEUS, expr, ...(legend ? { legendFormat: legend } : {}), ...(opts.instant ? { instant: true } : {}) }
  })
}

const GREEN: Threshold = { color: 'green', value: null }

function fieldDefaults(o: PanelOptions): Record<string, unknown> {
  const d: Record<string, unknown> = {
    thresholds: { mode: 'absolute', steps: o.thresholds ?? [GREEN] },
  }
  if (o.unit) d.unit = o.unit
  if (o.min !== undefined) d.min = o.min
  if (o.max !== undefined) d.max = o.max
  if (o.decimals !== undefined) d.decimals = o.decimals
  return d
}

function draft(
  type: string,
  title: string,
  targets: Target[],
  o: PanelOptions,
  w: number,
  h: number,
  options: Record<string, unknown>,
  defaults: Record<string, unknown> = {},
): PanelDraft {
  return {
    type,
    title,
    ...(o.description ? { description: o.description } : {}),
    datasource: targets[0].datasource,
    targets,
    fieldConfig: { defaults: { ...fieldDefaults(o), ...defaults }, overrides: [] },
    options,
    w: o.w ?? w,
    h: o.h ?? h,
  }
}

export function timeseries(title: string, targets: Target[], o: PanelOptions = {}): PanelDraft {
  return draft(
    'timeseries',
    title,
    targets,
    o,
    12,
    8,
    { legend: { displayMode: 'table', placement: 'right', calcs: ['lastNotNull', 'max'] }, tooltip: { mode: 'multi', sort: 'desc' } },
    { custom: { spanNulls: false, lineWidth: 1, fillOpacity: 10, ...(o.showThresholds ? { thresholdsStyle: { mode: 'line+area' } } : {}) } },
  )
}

export function stat(title: string, targets: Target[], o: PanelOptions = {}): PanelDraft {
  return draft('stat', title, targets, o, 6, 4, {
    reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
    colorMode: 'background',
    graphMode: 'area',
    textMode: 'auto',
  })
}

export function bargauge(title: string, targets: Target[], o: PanelOptions = {}): PanelDraft {
  return draft('bargauge', title, targets, o, 12, 8, {
    reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
    orientation: 'horizontal',
    displayMode: 'gradient',
    showUnfilled: true,
  })
}

export function table(title: string, targets: Target[], o: PanelOptions = {}): PanelDraft {
  return draft('table', title, targets, o, 24, 9, { showHeader: true, cellHeight: 'sm', footer: { show: false } })
}

export function barchart(title: string, targets: Target[], o: PanelOptions = {}): PanelDraft {
  return draft('barchart', title, targets, o, 12, 8, { orientation: 'horizontal', showValue: 'auto', legend: { showLegend: false } })
}

export function piechart(title: string, targets: Target[], o: PanelOptions = {}): PanelDraft {
  return draft('piechart', title, targets, o, 12, 8, {
    pieType: 'donut',
    legend: { displayMode: 'table', placement: 'right', values: ['value'] },
    reduceOptions: { calcs: ['sum'], fields: '', values: true },
  })
}

/** Places panels left to right, wrapping at Grafana's 24 columns, each row as tall as its tallest. */
export function layout(drafts: PanelDraft[]): Panel[] {
  let x = 0
  let y = 0
  let rowH = 0
  return drafts.map(({ w, h, ...p }, i) => {
    if (x + w > 24) {
      x = 0
      y += rowH
      rowH = 0
    }
    const panel: Panel = { id: i + 1, ...p, gridPos: { x, y, w, h } }
    x += w
    rowH = Math.max(rowH, h)
    return panel
  })
}

export interface TemplateVariable {
  name: string
  label: string
  type: 'query'
  datasource: DatasourceRef
  query: string
  definition: string
  refresh: 1 | 2
  sort: number
  multi: false
  includeAll: false
  current: Record<string, never>
  options: never[]
}

/** A single-valued query variable (Grafana refreshes it when the time range changes: refresh 2). */
export function queryVariable(name: string, label: string, datasource: DatasourceRef, query: string): TemplateVariable {
  return { name, label, type: 'query', datasource, query, definition: query, refresh: 2, sort: 1, multi: false, includeAll: false, current: {}, options: [] }
}

export interface Dashboard {
  uid: string
  title: string
  description: string
  tags: string[]
  timezone: 'browser'
  schemaVersion: number
  version: number
  editable: boolean
  graphTooltip: number
  refresh: string
  time: { from: string; to: string }
  templating: { list: TemplateVariable[] }
  annotations: { list: unknown[] }
  panels: Panel[]
}

export function dashboard(d: {
  uid: string
  title: string
  description: string
  variables?: TemplateVariable[]
  from?: string
  panels: PanelDraft[]
}): Dashboard {
  return {
    uid: d.uid,
    title: d.title,
    description: d.description,
    tags: ['tonypi'],
    timezone: 'browser',
    schemaVersion: 39,
    version: 1,
    editable: false,
    graphTooltip: 1,
    refresh: '30s',
    time: { from: d.from ?? 'now-6h', to: 'now' },
    templating: { list: d.variables ?? [] },
    annotations: { list: [] },
    panels: layout(d.panels),
  }
}
