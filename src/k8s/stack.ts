/**
 * The reference stack on Kubernetes: `gauntlet serve` as a Deployment (probes on the KServe v2 health routes, a
 * preStop drain), its Service, a PodDisruptionBudget, a ServiceMonitor, and two autoscalers on queue depth
 * (`nv_inference_pending_request_count`): an HPA through the Prometheus Adapter, or a KEDA ScaledObject instead.
 */
import { containerSecurity, type K8sObject, labelsOf, podSecurity } from './objects.js';

/** StackOptions are the choices of one render of the reference stack. */
export interface StackOptions {
  name: string;
  namespace: string;
  image: string;
  replicas: number;
  maxReplicas: number;
  /** Pending requests per pod the autoscalers aim for. */
  pendingPerPod: number;
  /** The Prometheus that KEDA queries. */
  prometheusUrl: string;
}

/** STACK_PORTS are the reference server's ports (Triton's): HTTP, gRPC, metrics. */
export const STACK_PORTS = { http: 8000, grpc: 8001, metrics: 8002 } as const;
/** PENDING_METRIC is the reference server's queue-depth gauge the autoscalers follow. */
export const PENDING_METRIC = 'nv_inference_pending_request_count';
/** DRAIN = gauntlet serve's --grace-period (SIGTERM drains in-flight requests this long) and the preStop sleep before it. */
export const DRAIN = { preStopSleepS: 5, gracePeriodS: 30 } as const;

/**
 * renderStackObjects returns the Deployment, Service, PodDisruptionBudget, ServiceMonitor and HPA of the
 * reference stack, and (second) the KEDA ScaledObject to use instead of the HPA.
 */
export function renderStackObjects(o: StackOptions): { objects: K8sObject[]; keda: K8sObject } {
  const labels = labelsOf(o.name, 'server');
  const selector = { 'app.kubernetes.io/instance': o.name, 'app.kubernetes.io/component': 'server' };
  const meta = (name: string): K8sObject['metadata'] => ({ name, namespace: o.namespace, labels });
  const deployment: K8sObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(o.name),
    spec: {
      replicas: o.replicas,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels },
        spec: {
          securityContext: podSecurity(),
          // The preStop sleep lets endpoints drop the pod before SIGTERM; gauntlet serve then drains for its
          // --grace-period; the kubelet's SIGKILL comes after both, with a little to spare.
          terminationGracePeriodSeconds: DRAIN.preStopSleepS + DRAIN.gracePeriodS + 5,
          containers: [
            {
              name: 'server',
              image: o.image,
              args: ['serve', '--host', '0.0.0.0', '--http-port', String(STACK_PORTS.http), '--grpc-port', String(STACK_PORTS.grpc), '--metrics-port', String(STACK_PORTS.metrics), '--grace-period', String(DRAIN.gracePeriodS)],
              ports: [
                { name: 'http', containerPort: STACK_PORTS.http, protocol: 'TCP' },
                { name: 'grpc', containerPort: STACK_PORTS.grpc, protocol: 'TCP' },
                { name: 'metrics', containerPort: STACK_PORTS.metrics, protocol: 'TCP' },
              ],
              startupProbe: { httpGet: { path: '/v2/health/live', port: 'http' }, periodSeconds: 2, failureThreshold: 60 },
              readinessProbe: { httpGet: { path: '/v2/health/ready', port: 'http' }, periodSeconds: 2, failureThreshold: 2 },
              livenessProbe: { httpGet: { path: '/v2/health/live', port: 'http' }, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 2 },
              lifecycle: { preStop: { exec: { command: ['sleep', String(DRAIN.preStopSleepS)] } } },
              resources: { requests: { cpu: '2', memory: '1Gi' }, limits: { cpu: '4', memory: '4Gi' } },
              // The bundled models are built into the image; the server writes nothing else but /tmp.
              securityContext: containerSecurity(true),
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '256Mi' } }],
        },
      },
    },
  };
  const service: K8sObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(o.name),
    spec: {
      selector,
      ports: (['http', 'grpc', 'metrics'] as const).map((p) => ({ name: p, port: STACK_PORTS[p], targetPort: p, protocol: 'TCP', ...(p === 'grpc' && { appProtocol: 'grpc' }) })),
    },
  };
  const pdb: K8sObject = { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: meta(o.name), spec: { maxUnavailable: 1, selector: { matchLabels: selector } } };
  const serviceMonitor: K8sObject = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: meta(o.name),
    spec: { selector: { matchLabels: selector }, endpoints: [{ port: 'metrics', path: '/metrics', interval: '5s' }] },
  };
  const target = { apiVersion: 'apps/v1', kind: 'Deployment', name: o.name };
  const hpa: K8sObject = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: meta(o.name),
    spec: {
      scaleTargetRef: target,
      minReplicas: o.replicas,
      maxReplicas: o.maxReplicas,
      metrics: [{ type: 'Pods', pods: { metric: { name: PENDING_METRIC }, target: { type: 'AverageValue', averageValue: String(o.pendingPerPod) } } }],
      behavior: { scaleDown: { stabilizationWindowSeconds: 120, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } },
    },
  };
  const keda: K8sObject = {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: meta(o.name),
    spec: {
      scaleTargetRef: { name: o.name },
      minReplicaCount: o.replicas,
      maxReplicaCount: o.maxReplicas,
      pollingInterval: 5,
      cooldownPeriod: 120,
      triggers: [
        {
          type: 'prometheus',
          metadata: {
            serverAddress: o.prometheusUrl,
            query: `sum(${PENDING_METRIC}{namespace="${o.namespace}",service="${o.name}"})`,
            threshold: String(o.pendingPerPod),
          },
        },
      ],
    },
  };
  return { objects: [deployment, service, pdb, serviceMonitor, hpa], keda };
}
