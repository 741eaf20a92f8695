// FunnelTrain
