"""Service halls (政务服务中心) and the service items (政务服务事项) they handle."""
