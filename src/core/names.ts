/**
 * Kubernetes names, as the API server validates them (apimachinery's validation package): a pod that names
 * something the API server would refuse is told so at admission, in the same words.
 */
import { quote } from './text.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Namespaces and most object names. */
export function isDns1123Label(s: string): boolean {
  return s.length <= 63 && DNS1123_LABEL.test(s);
}

/** Kubernetes object names (a NetworkAttachmentDefinition may be named `sriov.net-a`). */
export function isDns1123Subdomain(s: string): boolean {
  return s.length <= 253 && DNS1123_SUBDOMAIN.test(s);
}

/** A Kubernetes qualified name (label and annotation keys): `[prefix/]name`, prefix a DNS-1123 subdomain (≤253), name ≤63. */
export function isQualifiedName(text: string): boolean {
  const parts = text.split('/');
  if (parts.length > 2) return false;
  const name = parts.at(-1) ?? '';
  if (name.length > 63 || !QUALIFIED_NAME_PART.test(name)) return false;
  if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    if (prefix.length === 0 || !isDns1123Subdomain(prefix)) return false;
  }
  return true;
}

/** A label value: empty, or at most 63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric. */
export function isLabelValue(text: string): boolean {
  return text.length <= 63 && LABEL_VALUE.test(text);
}

/** Why `value` is not a DNS-1123 label, naming what it was meant to be (`namespace`, `network name`). */
export function dns1123LabelReason(what: string, value: string): string {
  return (
    `${what} ${quote(value)} must be a DNS-1123 label: at most 63 lowercase letters, digits or '-', ` +
    'starting and ending with a letter or digit'
  );
}

/** The one spelling of a namespaced object's key, `namespace/name`, wherever objects are indexed. */
export function objectKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}
