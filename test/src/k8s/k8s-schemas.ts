/**
 * validateK8s validates a rendered object against the OpenAPI schema of its apiVersion and kind, as shipped by
 * kubernetes-models (Kubernetes), @kubernetes-models/prometheus-operator and @kubernetes-models/keda.
 */
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Service } from 'kubernetes-models/v1/Service';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';

type Model = new (data: never) => { validate(): void };

/** MODELS are the schema classes by `apiVersion kind`. */
const MODELS: Record<string, Model> = {
  'v1 ConfigMap': ConfigMap,
  'v1 Namespace': Namespace,
  'v1 PersistentVolumeClaim': PersistentVolumeClaim,
  'v1 Service': Service,
  'apps/v1 Deployment': Deployment,
  'batch/v1 Job': Job,
  'autoscaling/v2 HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1 PodDisruptionBudget': PodDisruptionBudget,
  'monitoring.coreos.com/v1 ServiceMonitor': ServiceMonitor,
  'keda.sh/v1alpha1 ScaledObject': ScaledObject,
};

/** validateK8s throws the schema's complaint when `obj` does not conform (or no schema is known for its kind). */
export function validateK8s(obj: { apiVersion?: unknown; kind?: unknown }): void {
  const key = `${String(obj.apiVersion)} ${String(obj.kind)}`;
  const model = MODELS[key];
  if (!model) throw new Error(`no schema for ${key}`);
  new model(structuredClone(obj) as never).validate();
}
