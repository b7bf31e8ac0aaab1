{{/* Chart name, truncated to the 63 characters Kubernetes allows in names and labels. */}}
{{- define "traffic-console.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: release-chart, or the release alone when it already contains the chart name. */}}
{{- define "traffic-console.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "traffic-console.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "traffic-console.selectorLabels" -}}
app.kubernetes.io/name: {{ include "traffic-console.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "traffic-console.labels" -}}
helm.sh/chart: {{ include "traffic-console.chart" . }}
{{ include "traffic-console.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/component: dashboard
app.kubernetes.io/part-of: traffic-console
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "traffic-console.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "traffic-console.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret that holds the data protection key ring. */}}
{{- define "traffic-console.keyRingSecret" -}}
{{- printf "%s-keys" (include "traffic-console.fullname" .) -}}
{{- end }}

{{- define "traffic-console.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{/*
RBAC rules for the namespaced kinds the console reads and writes. One list, used by the
ClusterRole (all namespaces) and by each Role (watchNamespaces), so both modes grant the same.
Every verb here is a call the console makes; see README.md "API calls and RBAC".
*/}}
{{- define "traffic-console.namespacedRules" -}}
- apiGroups: [""]
  resources: ["services"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["apps"]
  resources: ["deployments"]
  verbs: ["get", "list", "watch"]
# The rollout history: one labelled ConfigMap per revision (created once, pruned beyond the cap, never updated).
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get", "list", "watch", "create", "delete"]
- apiGroups: ["networking.istio.io"]
  resources: ["virtualservices", "destinationrules"]
  verbs: ["get", "list", "watch", "create", "update", "delete"]
# Gateways are only read: the rule editor offers them to attach a VirtualService to, validation flags missing ones.
- apiGroups: ["networking.istio.io"]
  resources: ["gateways"]
  verbs: ["get", "list", "watch"]
# HTTPRoutes are edited in place (PUT with the resourceVersion read), never created or deleted.
- apiGroups: ["gateway.networking.k8s.io"]
  resources: ["httproutes"]
  verbs: ["get", "list", "watch", "update"]
{{- end }}

{{/* Cluster-scoped rules: namespaces cannot be listed through a Role. */}}
{{- define "traffic-console.clusterRules" -}}
- apiGroups: [""]
  resources: ["namespaces"]
  verbs: ["get", "list", "watch"]
{{- if eq .Values.auth.strategy "openid" }}
# openid: the console acts as the signed-in user, so the user's own RBAC decides what they may change.
- apiGroups: [""]
  resources: ["users", "groups"]
  verbs: ["impersonate"]
{{- end }}
{{- end }}
