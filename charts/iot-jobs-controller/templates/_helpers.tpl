{{/* The chart's name. */}}
{{- define "iot-jobs-controller.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's full name, at most 63 characters. */}}
{{- define "iot-jobs-controller.fullname" -}}
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

{{/* Labels on every object. */}}
{{- define "iot-jobs-controller.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "iot-jobs-controller.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Labels that select the controller's pods. */}}
{{- define "iot-jobs-controller.selectorLabels" -}}
app.kubernetes.io/name: {{ include "iot-jobs-controller.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The ServiceAccount's name. */}}
{{- define "iot-jobs-controller.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "iot-jobs-controller.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Whether leader election is on: with more than one replica. */}}
{{- define "iot-jobs-controller.leaderElection" -}}
{{- if gt (int .Values.replicaCount) 1 }}true{{ end }}
{{- end }}

{{/*
Whether the controller talks to the Kubernetes API: in Kubernetes mode, and for leader election in
either mode. Only then is the ServiceAccount token mounted.
*/}}
{{- define "iot-jobs-controller.usesKubernetesApi" -}}
{{- if or (eq .Values.mode "kubernetes") (include "iot-jobs-controller.leaderElection" .) }}true{{ end }}
{{- end }}

{{/* The directory the controller reads in directory mode. */}}
{{- define "iot-jobs-controller.manifestDir" -}}
{{- if .Values.directory.gitSync.enabled }}
{{- printf "/git/current/%s" (trimPrefix "/" .Values.directory.path) | trimSuffix "/." | trimSuffix "/" }}
{{- else }}
{{- printf "/manifests/%s" (trimPrefix "/" .Values.directory.path) | trimSuffix "/." | trimSuffix "/" }}
{{- end }}
{{- end }}
