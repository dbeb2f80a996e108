/** Pod network annotations: the parser, the address checks it uses, and the selection it returns. */
export { DEFAULT_NETWORK_ANNOTATION, NETWORKS_ANNOTATION } from '../../api/annotations.js';
export { isDns1123Label, isDns1123Subdomain } from '../names.js';
export {
  isInfinibandGuid,
  isInterfaceName,
  isIPAddress,
  isIPAddressOrCidr,
  isIPv4Address,
  isIPv6Address,
  isMacAddress,
} from './addresses.js';
export {
  type NetworkAnnotationForm,
  networkAnnotationForm,
  type ParseLimits,
  parseDefaultNetworkAnnotation,
  parseNetworkAnnotation,
} from './parse.js';
export {
  type Bandwidth,
  type NetworkSelection,
  type PortMapping,
  type PortProtocol,
  renderCommaForm,
} from './selection.js';
