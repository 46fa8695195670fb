/**
 * e4c2/client/mqtt: the MQTT.js helper for devices (Node). Use it with the library from `e4c2/client`.
 */
export {
  E4MqttDevice,
  type E4MqttDeviceEvents,
  type E4MqttDeviceListener,
  type E4MqttDeviceOptions,
} from './E4MqttDevice.js';
