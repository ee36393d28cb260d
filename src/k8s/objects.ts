/** Shared parts of the rendered Kubernetes objects: labels, names, the security context and the image's user. */

/** K8sObject is one rendered Kubernetes object (plain data, written as YAML). */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** IMAGE_UID is the non-root user the Dockerfile creates (uid and gid); pods run as it. */
export const IMAGE_UID = 10001;

/** APP_NAME is the app.kubernetes.io/name of every object gauntlet renders. */
export const APP_NAME = 'gauntlet';

/** labelsOf are the recommended app.kubernetes.io labels of one component of one instance. */
export function labelsOf(instance: string, component: string): Record<string, string> {
  return { 'app.kubernetes.io/name': APP_NAME, 'app.kubernetes.io/instance': instance, 'app.kubernetes.io/component': component, 'app.kubernetes.io/managed-by': 'gauntlet' };
}

/** podSecurity is the pod securityContext: non-root as the image's user, the runtime's default seccomp profile. */
export function podSecurity(): Record<string, unknown> {
  return { runAsNonRoot: true, runAsUser: IMAGE_UID, runAsGroup: IMAGE_UID, fsGroup: IMAGE_UID, seccompProfile: { type: 'RuntimeDefault' } };
}

/** containerSecurity is a container's securityContext: no privilege escalation, no capabilities, read-only root. */
export function containerSecurity(readOnlyRoot: boolean): Record<string, unknown> {
  return { allowPrivilegeEscalation: false, readOnlyRootFilesystem: readOnlyRoot, capabilities: { drop: ['ALL'] } };
}

/** dnsName turns text into a DNS-1123 label part: lower case, [a-z0-9-], no leading or trailing dash, at most `max` characters. */
export function dnsName(text: string, max: number): string {
  const s = text.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-+/g, '-').slice(0, max).replace(/^-+|-+$/g, '');
  return s === '' ? 'run' : s;
}
