// FunnelLab
